"""Stand-ins for the screens where nothing runs (snapshots, palette, help): the app needs a
model and a sandbox to be 'ready', these never generate or run anything."""

from tests.tui.scripted_model import Script, ScriptedModel


class NeverRunSandbox:
    """A sandbox description for UI tests that never run code; run() fails the test."""

    kind = "docker"
    isolated = True

    def check(self, language) -> None:
        pass

    def run(self, *args, **kwargs):
        raise AssertionError("this UI test must not run code")

    def close(self) -> None:
        pass


def idle_model(is_demo: bool = False, name: str = "gpt-oss-20b-mxfp4") -> ScriptedModel:
    return ScriptedModel([Script("")], is_demo=is_demo, name=name)
