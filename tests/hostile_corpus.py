"""The hostile display corpus (SECURITY.md T1-T3, S-UI-1): generated, not hand-picked.

Atoms are every C0 and C1 control, DEL, 7-bit and 8-bit escape sequences (CSI, OSC 0/2/8/50/52/
777, DCS, APC, PM, SOS, kitty graphics), bidi overrides and isolates, zero-width and tag
characters, variation selectors, noncharacters, line separators, Textual/Rich markup, a forged
sender line, floods. Each atom is placed in several surroundings (alone, inside a word, repeated,
after right-to-left text, inside markup). :func:`payloads` gives the lot; ``xml=True`` keeps only
what XML 1.0 can carry (no C0 but TAB/LF/CR, no surrogates, no U+FFFE/U+FFFF), for delivery
through the real server.
"""

from __future__ import annotations

ESC = "\x1b"
BEL = "\x07"
ST7 = ESC + "\\"

#: Escape sequences in their 7-bit form; each also goes out in its 8-bit (C1) form below.
SEQUENCES_7BIT = (
    ESC + "[2J",  # clear screen
    ESC + "[H" + ESC + "[2K",  # home, erase line
    ESC + "[6n",  # cursor position report (answer-back)
    ESC + "[21t",  # report window title (CVE-2003-0063)
    ESC + "[?1049h",  # alternate screen
    ESC + "[?1000h",  # mouse reporting
    ESC + "[31;1mred" + ESC + "[0m",
    ESC + "]0;owned" + BEL,  # OSC 0: icon and title
    ESC + "]2;owned" + ST7,  # OSC 2: title
    ESC + "]8;;https://evil.example/" + ST7 + "click" + ESC + "]8;;" + ST7,  # OSC 8 hyperlink
    ESC + "]52;c;cm0gLXJmIH4K" + BEL,  # OSC 52 clipboard write
    ESC + "]52;c;?" + BEL,  # OSC 52 clipboard read
    ESC + "]50;?" + BEL,  # OSC 50 font query (CVE-2022-45063)
    ESC + "]777;notify;pwned;body" + BEL,  # OSC 777 notification
    ESC + "]1337;File=inline=1:AAAA" + BEL,  # iTerm2 image
    ESC + "P$qm" + ST7,  # DCS DECRQSS (CVE-2008-2383)
    ESC + "P+q544e" + ST7,  # DCS XTGETTCAP
    ESC + "_Gf=24,s=1,v=1;AAAA" + ST7,  # APC kitty graphics
    ESC + "^privacy message" + ST7,  # PM
    ESC + "Xstart of string" + ST7,  # SOS
    ESC + "c",  # full reset (RIS)
    ESC + "7" + ESC + "8",  # save/restore cursor
    ESC + "#8",  # screen alignment test (fills with E)
    ESC + "(0lqk",  # DEC line drawing charset
)
_C1_FOR = {"[": "\x9b", "]": "\x9d", "P": "\x90", "_": "\x9f", "^": "\x9e", "X": "\x98"}


def _eight_bit(sequence: str) -> str:
    """The same sequence with 8-bit introducers and ST (U+009C)."""
    out = sequence.replace(ST7, "\x9c")
    for intro, c1 in _C1_FOR.items():
        out = out.replace(ESC + intro, c1)
    return out


BIDI = tuple(
    chr(cp) for cp in (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
)
ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e")
TAGS = tuple(chr(cp) for cp in (0xE0001, 0xE0020, 0xE0041, 0xE0061, 0xE007E, 0xE007F))
VARIATION_SELECTORS = tuple(chr(cp) for cp in (*range(0xFE00, 0xFE10), 0xE0100, 0xE01EF))
MARKUP = (
    "[b]bold[/b]",
    "[@click=app.quit]click me[/]",
    "[link=https://evil.example/]phish[/link]",
    "[link='https://evil.example/']q[/]",
    "[red on red]hidden[/]",
    "[/]",
    "[",
    "[reverse][blink]x",
    "[@click=screen.dismiss('x')]d[/]",
    "\\[escaped]",
)
OTHER = (
    "\u2028",
    "\u2029",
    "\ufdd0",
    "\U0001fffe",
    "\u034f",  # combining grapheme joiner
    "\u3164",  # hangul filler (blank letter)
    "\u115f",
    "\u2800",  # braille blank
    "\n12:00 <alice@localhost> pay me to DE00 1234",
    "line\r\n[12:00] <bob> forged",
    "tab\there",
    "e" + "\u0301" * 50,
    "\u0301" * 200,
    "\U0001f468\u200d\U0001f469\u200d\U0001f467",  # emoji ZWJ sequence
    "\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627",  # Hebrew, Arabic
)
XML_UNSAFE = ("\ud800", "\udfff", "\ufffe", "\uffff")


def atoms(*, xml: bool = False) -> list[str]:
    """One hostile piece each."""
    controls = [chr(cp) for cp in range(0x20) if not xml or chr(cp) in "\t\n\r"]
    found: list[str] = [*controls, "\x7f", *(chr(cp) for cp in range(0x80, 0xA0))]
    for sequence in SEQUENCES_7BIT:
        if not xml:
            found.append(sequence)
        eight = _eight_bit(sequence)
        if xml:  # 8-bit form, BEL terminator as U+009C (ST): XML carries no C0 but TAB/LF/CR
            eight = eight.replace(BEL, "\x9c")
        if eight != sequence and not (xml and ESC in eight):  # "ESC c" has no 8-bit form
            found.append(eight)
    found += [*BIDI, *ZERO_WIDTH, *TAGS, *VARIATION_SELECTORS, *MARKUP, *OTHER]
    if not xml:
        found += XML_UNSAFE
    return found


def payloads(*, xml: bool = False) -> list[str]:
    """Every atom in five surroundings: the corpus."""
    out: list[str] = []
    for atom in atoms(xml=xml):
        out += [
            atom,
            f"ab{atom}cd",
            atom * 3,
            f"\u05e9\u05dc\u05d5\u05dd {atom} ok",
            f"[b]{atom}[/b]",
        ]
    return out


#: The absurd ones: cut for display, kept whole in the store.
COMBINING_FLOOD = "x" + "\u0301" * 10_000
LONG_LINE = "A" * (256 * 1024)
