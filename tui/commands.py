"""Command palette entries (ctrl+p) for every action in tui.actions."""

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.actions import ACTIONS, key_display


class AssistantCommands(Provider):
    """`task: Run`, `attempt: Fix from here`, … each running the same action as its key."""

    def _entries(self):
        for spec in ACTIONS:
            callback = partial(self.app.run_action, spec.action)
            yield spec.palette, callback, f"{spec.help} ({key_display(spec)})"

    async def discover(self) -> Hits:
        for name, callback, help_text in self._entries():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._entries():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
