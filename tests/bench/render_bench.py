"""Benchmark: what the bounded sandbox costs the daily cycle's rendering.

Renders the shipped templates (``config/templates``) for the sample digests, subject, text
and HTML, ``--count`` times through (a) a plain ``ImmutableSandboxedEnvironment`` with the
same settings (the baseline: the sandbox before issue 14) and (b) ``TemplateSet``, which
renders in ``engine.template_sandbox.BoundedSandbox``. Interleaved rounds, CPU time of the
process (the machine is shared), the best round of each; prints both per digest, for
``--count`` digests, and the ratio.

    make bench
    python tests/bench/render_bench.py --count 1000 --rounds 12
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from jinja2 import FunctionLoader, StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from notifications.digest import Digest
from notifications.render import (
    PARTS,
    TemplateSet,
    _context,
    _finalize,
    format_date,
    format_days,
    format_document_date,
    sample_digests,
)

TEMPLATES = Path(__file__).resolve().parents[2] / "config" / "templates"


def plain_renderer() -> Callable[[Digest], None]:
    """The templates in Jinja2's immutable sandbox, set up as ``notifications.render`` does."""
    sources = {p.name: p.read_text("utf-8-sig") for p in TEMPLATES.iterdir() if p.suffix != ".md"}
    env = ImmutableSandboxedEnvironment(
        loader=FunctionLoader(lambda n: (sources[n], n, lambda: True) if n in sources else None),
        undefined=StrictUndefined,
        autoescape=lambda name: name is not None and name.endswith(".html"),
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters.update(ngay=format_date, ngay_thang=format_document_date, so_ngay=format_days)

    def render(digest: Digest) -> None:
        for _, suffix in PARTS:
            env.get_template(digest.template + suffix).render(_context(digest))

    return render


def cpu_seconds(render: Callable[[Digest], None], digests: tuple[Digest, ...], count: int) -> float:
    started = time.process_time()
    for index in range(count):
        render(digests[index % len(digests)])
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=12)
    args = parser.parse_args()
    digests = sample_digests()
    bounded = TemplateSet.load(TEMPLATES).render
    plain = plain_renderer()
    best = {"plain": float("inf"), "bounded": float("inf")}
    for _ in range(args.rounds):
        best["plain"] = min(best["plain"], cpu_seconds(plain, digests, args.count))
        best["bounded"] = min(best["bounded"], cpu_seconds(bounded, digests, args.count))
    for name, seconds in best.items():
        print(f"{name:8} {args.count} digests: {seconds * 1000:,.0f} ms CPU "
              f"({seconds / args.count * 1e6:,.0f} µs per digest)")  # fmt: skip
    print(f"bounded / plain: {best['bounded'] / best['plain']:.2f}×")


if __name__ == "__main__":
    main()
