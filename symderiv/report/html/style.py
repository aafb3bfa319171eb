"""The page's one stylesheet (inline: the report is one file that works offline), every rule
under `.symderiv` so that a notebook's own page is left alone."""

CSS = """\
.symderiv { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans", sans-serif;
  line-height: 1.45; color: #1b1b1b; max-width: 60rem; margin: 0 auto; padding: 0 1rem; }
.symderiv h1 { font-size: 1.6rem; margin: 1rem 0 .3rem; }
.symderiv h2 { font-size: 1.3rem; margin: 2rem 0 .2rem; padding-top: .6rem;
  border-top: 2px solid #d0d4da; }
.symderiv h3 { font-size: 1.05rem; margin: 0 0 .2rem; }
.symderiv section.spec > h3 { margin-top: .9rem; }
.symderiv code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .92em;
  overflow-wrap: anywhere; }
.symderiv p { margin: .3rem 0; }
.symderiv table { border-collapse: collapse; margin: .5rem 0; }
.symderiv th, .symderiv td { text-align: left; padding: .15rem .6rem; vertical-align: middle;
  border-bottom: 1px solid #e3e6ea; }
.symderiv table.summary thead th { background: #f1f3f5; }
.symderiv table.summary tr.file th { padding-top: .7rem; font-weight: 600; }
.symderiv table.summary td code { white-space: nowrap; }
.symderiv caption { text-align: left; font-weight: 600; padding: .2rem 0; }
.symderiv .verdict { font-weight: 600; white-space: nowrap; }
.symderiv .proved, .symderiv .verified { color: #1a7f37; }
.symderiv .consistent { color: #0b5cad; }
.symderiv .refuted, .symderiv .error { color: #c0262d; }
.symderiv .undecided { color: #9a6700; }
.symderiv .unexpected { background: #c0262d; color: #fff; border-radius: .25rem;
  padding: 0 .35rem; font-size: .85em; font-weight: 600; }
.symderiv .kind { color: #57606a; font-weight: normal; font-size: .9em; }
.symderiv section.check { margin: 1rem 0; padding: .6rem .9rem; border: 1px solid #d0d4da;
  border-left: 4px solid #1a7f37; border-radius: .3rem; }
.symderiv section.check.not-ok { border-left-color: #c0262d; background: #fff8f8; }
.symderiv .where, .symderiv .source, .symderiv .file { color: #57606a; font-size: .9em; }
.symderiv .errors li { color: #c0262d; }
.symderiv .warning { color: #9a6700; }
.symderiv .equation { overflow-x: auto; margin: .4rem 0; }
.symderiv math { font-size: 1.1em; }
.symderiv math[display="block"] { margin: .3rem 0; }
.symderiv table.steps td.relation { font-size: 1.2em; text-align: right; }
.symderiv table.steps td.note, .symderiv code.tex { color: #57606a; font-size: .9em; }
.symderiv .diagnosis ul { margin: .2rem 0; padding-left: 1.3rem; }
"""
