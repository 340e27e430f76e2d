"""Lifecycle diagrams and the ``docs/lifecycles.md`` page, drawn from the lifecycle tables.

``python -m realtime_state.diagrams docs/lifecycles.md`` regenerates the page (a test fails
when the checked-in page is stale); without a path it prints it.
"""

from __future__ import annotations

import sys

from .lifecycles import LIFECYCLES, VIOLATION_CODES, Lifecycle, compile_rules, transitions_spec

__all__ = ["mermaid", "render_docs", "main"]


def mermaid(lifecycle: Lifecycle) -> str:
    """The lifecycle as mermaid ``stateDiagram-v2`` text, drawn by ``transitions``."""
    from transitions.extensions import GraphMachine

    class _Model:
        pass

    model = _Model()
    GraphMachine(
        model=model,
        states=list(lifecycle.states),
        transitions=transitions_spec(lifecycle),
        initial=lifecycle.initial,
        auto_transitions=False,
        graph_engine="mermaid",
        title=lifecycle.title,
    )
    text: str = model.get_graph().draw(None)  # type: ignore[attr-defined]
    lines = text.splitlines()
    if lines and lines[0] == "---":  # front matter holding the title: the docs give it
        lines = lines[lines.index("---", 1) + 1 :]
    # Keep the structure, drop the styling that marks the model's current state.
    keep = [line.rstrip() for line in lines if not line.strip().startswith(("classDef ", "Class "))]
    return "\n".join(line for line in keep if line.strip()) + "\n"


def _refusal_rows(lifecycle: Lifecycle) -> list[str]:
    _, refused, recover = compile_rules(lifecycle)
    rows = []
    for trigger in lifecycle.triggers:
        for state in lifecycle.states:
            code = refused[trigger].get(state)
            if code is None:
                continue
            back = recover[trigger].get(state)
            lenient = f"moves to `{back}`, event applied" if back else "event ignored"
            rows.append(f"| `{state}` | `{trigger}` | `{code}` | {lenient} |")
    return rows


def render_docs() -> str:
    """The whole ``docs/lifecycles.md`` page, generated from the tables."""
    out = [
        "# Lifecycles",
        "",
        "<!-- Generated from src/realtime_state/lifecycles.py by "
        "`realtime-state diagram --write docs/lifecycles.md` (or `python -m "
        "realtime_state.diagrams docs/lifecycles.md`); do not edit by hand. -->",
        "",
        "Every legal order of events is a rule in one table per lifecycle "
        "(`src/realtime_state/lifecycles.py`). An event that no rule allows is a protocol "
        "violation: `strict` policy raises `ProtocolViolation` and keeps the state passed in; "
        "`lenient` policy records it in `state.violations` and either moves the object to "
        "its recovery state and applies the event, or ignores the event (both shown below).",
        "",
        "The diagrams are drawn by `transitions` from the same tables the reducer compiles.",
        "",
    ]
    for lifecycle in LIFECYCLES:
        out += [f"## {lifecycle.title}", "", lifecycle.summary, ""]
        out += ["```mermaid", mermaid(lifecycle).rstrip("\n"), "```", ""]
        out += ["| trigger | fired by |", "|---|---|"]
        out += [f"| `{name}` | {events} |" for name, events in lifecycle.triggers.items()]
        out.append("")
        rows = _refusal_rows(lifecycle)
        if rows:
            out += [
                "Refused:",
                "",
                "| state | trigger | violation | lenient policy |",
                "|---|---|---|---|",
                *rows,
                "",
            ]
    out += ["## Violation codes", "", "| code | meaning |", "|---|---|"]
    out += [f"| `{code}` | {meaning} |" for code, meaning in VIOLATION_CODES.items()]
    out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """``python -m realtime_state.diagrams [PATH]``: write (or print) the lifecycle docs."""
    args = sys.argv[1:] if argv is None else argv
    text = render_docs()
    if args:
        with open(args[0], "w", encoding="utf-8") as out:
            out.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
