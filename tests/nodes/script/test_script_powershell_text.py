"""Where a subscription goes in a PowerShell script: `$($__interlock_data[N])`, and a single-quoted string
holding one becomes a double-quoted string with the same characters, so the value expands there (as
Orchestrator users wrote '{Name from "Start"}'); comments, double quotes, subexpressions and
here-strings are read as PowerShell reads them."""

from __future__ import annotations

import pytest

from engine.activity import CodeWithData
from nodes.script.powershell import script_text


def text(*pieces: str) -> str:
    return script_text(CodeWithData(pieces, tuple(range(len(pieces) - 1))))


@pytest.mark.parametrize(("pieces", "expected"), [
    (("$a = ", ""), "$a = $($__interlock_data[0])"),
    (('$a = "VM ', '"'), '$a = "VM $($__interlock_data[0])"'),
    (("$a = '", "'"), '$a = "$($__interlock_data[0])"'),
    # the rest of the single-quoted string keeps its characters: '' is ', $ and ` and " are escaped
    (("$a = 'it''s $HOME `t ", ' "q"\''), '$a = "it\'s `$HOME ``t $($__interlock_data[0]) `"q`""'),
    # typographic single quotes are quotes to PowerShell
    (("$q = \u2018", "\u2019"), '$q = "$($__interlock_data[0])"'),
    # a quote in a comment opens no string; a block comment is left alone
    (("# don't\n$b = '", "'"), '# don\'t\n$b = "$($__interlock_data[0])"'),
    (("<# '", " #> $c = 1"), "<# '$($__interlock_data[0]) #> $c = 1"),
    # a single-quoted string inside $( ) of a double-quoted one is not the one holding the value
    (("$s = \"a $(Get-X 'b') ", '"'), "$s = \"a $(Get-X 'b') $($__interlock_data[0])\""),
    # a single-quoted here-string becomes an expanding one
    (("$h = @'\nline $x ", "\n'@\n$z = 'plain'"),
     '$h = @"\nline `$x $($__interlock_data[0])\n"@\n$z = \'plain\''),
])
def test_subscriptions_expand_where_they_stand(pieces: tuple[str, ...], expected: str) -> None:
    assert text(*pieces) == expected


def test_strings_without_a_subscription_are_untouched() -> None:
    assert text("$a = 'it''s'; $b = '", "'; $c = '$d'") == \
        "$a = 'it''s'; $b = \"$($__interlock_data[0])\"; $c = '$d'"
    assert script_text(CodeWithData(("$a = 'x'",))) == "$a = 'x'"
