"""Plugins named in a setting: a registry by name, built from dotted module paths.

The delivery channels (``hikkoshi.channels``) and the federation's adapters
(``hikkoshi.federation.adapters``) are both plugins of this kind: a module named in a setting
(as Django names ``EMAIL_BACKEND``) defines a subclass of the kind's base class and names it
with the kind's attribute (``CHANNEL``, ``ADAPTER``); one instance serves every caller and
thread. A ``Registry`` holds them by name, in the order they were registered, and refuses a
malformed name or a name taken twice; ``Installed`` is the registry of a setting, imported once
and again when the setting changes (a test's ``override_settings``).

A shared library: it imports no hikkoshi app.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import import_module
import re
import threading
from typing import Any, ClassVar, Self, cast

from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Kind:
    """What one kind of plugin is: ``noun`` for messages (channel, adapter), its ``base``
    class, the module attribute naming the class (``CHANNEL``), the setting listing the modules,
    the rule of its names and that rule in words."""

    noun: str
    base: type
    attribute: str
    setting: str
    name: re.Pattern[str]
    name_rule: str


class Registry[P]:
    """Plugins of one ``kind`` by name, in the order they were registered; a name is taken once."""

    kind: ClassVar[Kind]

    def __init__(self, plugins: Sequence[P | type[P]] = ()) -> None:
        self._by_name: dict[str, P] = {}
        for plugin in plugins:
            self.register(plugin)

    @classmethod
    def from_modules(cls, paths: Sequence[str]) -> Self:
        """The plugins of the modules at ``paths`` (each names its class ``kind.attribute``)."""
        kind = cls.kind
        registry = cls()
        for path in paths:
            plugin = getattr(import_module(path), kind.attribute, None)
            if not (isinstance(plugin, type) and issubclass(plugin, kind.base)):
                base = f"{kind.base.__module__}.{kind.base.__qualname__}"
                raise ImproperlyConfigured(f"{kind.setting}: {path} has no {kind.attribute} (a subclass of {base}).")
            registry.register(cast("type[P]", plugin))
        return registry

    def register(self, plugin: P | type[P]) -> P:
        """Add a plugin (a class or an instance); refuse a name that is taken or malformed."""
        kind = self.kind
        instance: P = plugin() if isinstance(plugin, type) else plugin
        name: object = getattr(instance, "name", None)
        if not isinstance(name, str) or not kind.name.fullmatch(name):
            raise ImproperlyConfigured(
                f"{type(instance).__qualname__}: a {kind.noun}'s name is {kind.name_rule}, not {name!r}."
            )
        if name in self._by_name:
            raise ImproperlyConfigured(
                f"Two {kind.noun}s are named {name!r}: {type(self._by_name[name]).__module__} "
                f"and {type(instance).__module__}."
            )
        self._by_name[name] = instance
        return instance

    def get(self, name: str) -> P:
        try:
            return self._by_name[name]
        except KeyError:
            raise LookupError(f"no {self.kind.noun} {name!r} (installed: {', '.join(self._by_name)})") from None

    def find(self, name: str) -> P | None:
        return self._by_name.get(name)

    def names(self) -> list[str]:
        return list(self._by_name)

    def __iter__(self) -> Iterator[P]:
        return iter(list(self._by_name.values()))

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __len__(self) -> int:
        return len(self._by_name)


class Installed[R: Registry[Any]]:
    """The registry of the modules a setting names (``default`` when it is unset)."""

    def __init__(self, registry_class: type[R], default: Sequence[str] = ()) -> None:
        self._class = registry_class
        self._default = tuple(default)
        self._lock = threading.RLock()
        self._installed: tuple[tuple[str, ...], R] | None = None

    def __call__(self) -> R:
        paths = tuple(getattr(django_settings, self._class.kind.setting, self._default))
        installed = self._installed
        if installed is None or installed[0] != paths:
            with self._lock:
                if self._installed is None or self._installed[0] != paths:
                    self._installed = (paths, self._class.from_modules(paths))
                installed = self._installed
        return installed[1]
