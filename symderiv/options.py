"""What a run is asked to do: the typed options every stage reads, and the names it uses.

`Options` is one frozen value built by the CLI, the pytest plugin or a caller, and handed
down the pipeline unchanged; nothing here imports sympy or numpy.
"""

from __future__ import annotations

import dataclasses
import enum
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from symderiv.limits import DEFAULT, Limits


class Strategy(enum.StrEnum):
    """A layer of the decider, strongest first."""

    GENERIC = "generic"  # sympy, for every size
    BOUNDED = "bounded"  # exact evaluation at the listed sizes
    NUMERIC = "numeric"  # random points in floats, confirmed in mpmath


class Kind(enum.StrEnum):
    """What a check is, in report order."""

    CLAIM = "claim"
    DERIVATION = "derivation"
    IMPLEMENTATION = "implementation"
    EXAMPLE = "example"


class Expect(enum.StrEnum):
    """What the spec expects of a check (its `expect:`)."""

    HOLDS = "holds"
    REFUTED = "refuted"


STRATEGIES = tuple(Strategy)
DTYPES = ("float64", "float32")


def parse_strategies(text: str) -> tuple[Strategy, ...]:
    """`generic,bounded` as strategies (--strategy, --symderiv-strategy).

    Raises:
        ValueError: no strategy, or an unknown one (the message names the choices).
    """
    names = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [n for n in names if n not in set(STRATEGIES)]
    if not names or unknown:
        raise ValueError(f"unknown strategy {', '.join(unknown) or '(none)'}; choose from "
                         f"{', '.join(STRATEGIES)}")
    return tuple(Strategy(n) for n in names)


def random_prime() -> int:
    """A prime drawn at random between 2^60 and 2^61: the modulus of the exact screen.

    With a fixed, published prime a spec could collide on purpose: `2305843009213693951 == 0`
    (that is 2^61 − 1) or `log(0.5) == log(2^60)` (0.5 ≡ 2^60 mod 2^61 − 1) screened as
    equal. A nonzero exact difference of b bits has at most b/60 prime factors in this range,
    which holds about 2^55 primes, so no spec can aim at the prime a run uses. A true claim is
    equal modulo every prime, so verdicts do not depend on the draw.
    """
    import gmpy2  # type: ignore[import-untyped]  # a dependency already; imports in milliseconds

    return int(gmpy2.next_prime((1 << 60) + secrets.randbelow(1 << 59)))


def _sizes(value: Mapping[str, tuple[int, ...]] | tuple[tuple[str, tuple[int, ...]], ...]
           ) -> tuple[tuple[str, tuple[int, ...]], ...]:
    pairs = value.items() if isinstance(value, Mapping) else value
    return tuple(sorted((str(name), tuple(int(v) for v in values)) for name, values in pairs))


@dataclass(frozen=True, slots=True)
class Options:
    """How to check: layers, time and memory limits, sizes, randomness, float type, limits.

    Args:
        strategies: the decider's layers to use, strongest first.
        timeout: seconds per equation a check decides.
        memory: MiB a check may allocate beyond what its process holds before it starts
            (0: no limit; Linux only, docs/security.md).
        budget: seconds for the whole run, after which the checks not yet finished are
            `undecided` (None: no budget).
        sizes: size name -> the concrete values to use instead of the spec's.
        seed: seed of every random point (verdicts do not depend on it).
        dtype: float type of the numpy side; numeric tolerances follow it.
        diagnose: explain refuted checks (region, error class, suggestion).
        proofs: record a step-by-step proof of each claim that holds (`check/proof/`).
        limits: the resource limits (docs/security.md).
        prime: the modulus of the exact screen, drawn at random for each run; not part of
            what a result depends on (cache keys leave it out).
    """

    strategies: tuple[Strategy, ...] = STRATEGIES
    timeout: float = 30.0
    sizes: tuple[tuple[str, tuple[int, ...]], ...] = ()
    seed: int = 0
    dtype: str = "float64"
    diagnose: bool = True
    proofs: bool = True
    limits: Limits = DEFAULT
    memory: int = 1024
    budget: float | None = None
    prime: int = dataclasses.field(default_factory=random_prime, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "strategies", tuple(Strategy(s) for s in self.strategies))
        object.__setattr__(self, "sizes", _sizes(self.sizes))
        if self.dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {', '.join(DTYPES)}, not {self.dtype!r}")
        if self.timeout <= 0:
            raise ValueError(f"timeout must be a positive number of seconds, not {self.timeout}")
        if self.memory < 0:
            raise ValueError(f"memory must be a number of MiB >= 0, not {self.memory}")
        if self.budget is not None and self.budget <= 0:
            raise ValueError(f"budget must be a positive number of seconds, not {self.budget}")

    def size_values(self, name: str, declared: tuple[int, ...]) -> tuple[int, ...]:
        """The concrete values of size `name`: the override if any, else `declared`."""
        return dict(self.sizes).get(name, declared)

    def settings(self) -> dict[str, object]:
        """Everything a verdict may depend on, as plain data (for cache keys).

        `memory` and `budget` are left out: a check they stop is never cached.
        """
        return {
            "strategies": [s.value for s in self.strategies],
            "timeout": self.timeout,
            "sizes": {name: list(values) for name, values in self.sizes},
            "seed": self.seed,
            "dtype": self.dtype,
            "diagnose": self.diagnose,
            "proofs": self.proofs,
            "limits": self.limits.as_dict(),
        }
