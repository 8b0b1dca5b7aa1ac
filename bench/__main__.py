"""python -m bench run [--quick] ... (bench/suite.py) | python -m bench soak ... (bench/soak.py)."""

import sys

from bench.suite import main

sys.exit(main())
