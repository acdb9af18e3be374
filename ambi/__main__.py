"""`python -m ambi ...` is the `ambi` command."""
import sys

from .lang.cli import main

sys.exit(main())
