from symderiv.cli import entry

entry()
