import sys

from rookery.inference.cli import main

sys.exit(main(sys.argv[1:]))
