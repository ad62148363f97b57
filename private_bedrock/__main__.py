"""`python -m private_bedrock COMMAND ...`: the same as the `private-bedrock` command (private_bedrock/cli.py)."""

import sys

from private_bedrock.cli import main

sys.exit(main())
