"""The process that runs durable_rules: ``python -m timescales.evaluation.durable_worker``.

durable_rules' C core can crash the interpreter (docs/engines.md), so it only ever runs here, in a
child process that receives plain data (ruleset definitions and facts) over a pipe and sends back
which rules fired. If it dies, only this process dies; the parent reports the case and starts a new
one.

Protocol (pickled tuples): ``("define", name, ruleset)`` → ``("ok",)``;
``("assert", name, sid, facts, finish)`` → ``("hits", [(rule, query id, hit seq), ...])`` or
``("error", message)``. ``finish`` deletes the session afterwards.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any


def _quiet_host_class() -> type:
    from durable.engine import Host

    class QuietHost(Host):  # type: ignore[misc]
        """A Host without its two self-rescheduling background threads: they race with the
        synchronous assert -> action processing (error 307, then segfaults). Timers, which we never
        use, stop working."""

        def _run(self) -> None:
            pass

    return QuietHost


def serve(conn: Connection, reply: Connection) -> None:
    """Answer requests from ``conn`` on ``reply`` until the pipe closes."""
    host = _quiet_host_class()()
    hits: list[tuple[str, int, int]] = []

    def recorder(rule: str) -> Callable[[Any], None]:
        # Exactly one positional parameter: durable_rules runs two-parameter actions as async.
        def act(c: Any) -> None:
            hits.append((rule, c.qry.qid, c.hit.seq))

        return act

    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        try:
            if request[0] == "define":
                _, name, ruleset = request
                ruleset = copy.deepcopy(ruleset)  # Host.set_rulesets deletes `run` from what it is given
                for rule_name, rule in ruleset.items():
                    rule["run"] = (lambda c: None) if rule_name == "end" else recorder(rule_name)
                host.set_rulesets({name: ruleset})
                reply.send(("ok",))
            elif request[0] == "assert":
                _, name, sid, facts, finish = request
                hits.clear()
                if facts:
                    host.assert_facts(name, facts)  # one sid per batch, every fact handled
                if finish:
                    state = host.get_state(name, sid)
                    host.delete_state(name, sid)  # safe: the `end` sentinel made one action run
                    if state.get("exception"):
                        reply.send(("error", f"an action failed: {state['exception']}"))
                        continue
                reply.send(("hits", list(hits)))
            else:
                reply.send(("error", f"unknown request {request[0]!r}"))
        except Exception as error:  # reported to the parent, which treats it as an engine failure
            reply.send(("error", f"{type(error).__name__}: {error}"))


def main() -> None:
    """Requests on standard input, replies on the original standard output; anything the engine
    prints goes to standard error so it cannot corrupt the replies."""
    replies = os.dup(1)
    os.dup2(2, 1)
    serve(Connection(os.dup(0), writable=False), Connection(replies, readable=False))


if __name__ == "__main__":
    main()
