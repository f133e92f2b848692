import sys

from guideproof.cli import main

sys.exit(main())
