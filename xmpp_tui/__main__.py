"""``python -m xmpp_tui``."""

import sys

from xmpp_tui.cli import main

if __name__ == "__main__":
    sys.exit(main())
