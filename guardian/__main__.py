"""Allow `python -m guardian`, which the test bed and the RPM launcher use."""
import sys

from guardian.cli import main

sys.exit(main())
