"""Actions of ``hikkoshi stats`` given by apps above this one.

``hikkoshi stats simulate`` is this app's own. The evaluation report (``hikkoshi stats report``)
needs the business model, an app that imports this one and may not be imported by it: that app
registers its action here when it is ready (``register``), and the ``stats`` command offers every
action registered.
"""

from argparse import ArgumentParser
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Action:
    name: str
    help: str
    add_arguments: Callable[[ArgumentParser], None]
    run: Callable[..., None]  # (the command, **its options): raises CommandError on bad input


_actions: dict[str, Action] = {}


def register(action: Action) -> None:
    _actions[action.name] = action


def registered() -> dict[str, Action]:
    return dict(_actions)


def unregister(name: str) -> Any:
    """Remove an action (tests)."""
    return _actions.pop(name, None)
