"""The package's public surface: every exported name resolves, and importing is cheap."""

from __future__ import annotations

import subprocess
import sys

import realtime_state
import realtime_state.testing


def test_every_public_name_resolves_to_the_object_its_module_defines() -> None:
    for package in (realtime_state, realtime_state.testing):
        exports = package._EXPORTS  # type: ignore[attr-defined]
        assert sorted(package.__all__) == sorted(exports)
        for name in package.__all__:
            value = getattr(package, name)
            module = sys.modules[f"{package.__name__}{exports[name]}"]
            assert value is getattr(module, name)
            assert name in dir(package)


def test_every_public_error_is_a_realtime_state_error_defined_in_errors() -> None:
    from realtime_state import cli, cost, errors, logs

    for name in ("PricingError", "NoModelError", "UnknownModelError", "LogError"):
        error = getattr(errors, name)
        assert issubclass(error, errors.RealtimeStateError) and name in errors.__all__
        old_home = cli if name == "LogError" else cost
        assert getattr(old_home, name) is error  # the old import still works
    assert logs.LogError is errors.LogError


def test_an_unknown_name_is_an_attribute_error() -> None:
    try:
        realtime_state.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("expected AttributeError")


def test_importing_the_package_or_the_pytest_plugin_builds_nothing_up_front() -> None:
    code = (
        "import sys, realtime_state, realtime_state.testing.plugin\n"
        "heavy = [m for m in ('realtime_state.events', 'realtime_state.decoding', "
        "'realtime_state.reducer', 'cattrs', 'hypothesis') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "from realtime_state import decode\n"
        "assert 'realtime_state.decoding' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
