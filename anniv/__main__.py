import sys

from anniv.cli import main

sys.exit(main())
