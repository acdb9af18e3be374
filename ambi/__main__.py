"""`python -m ambi ...` is the `ambi` command."""
import sys

from .cli import main

sys.exit(main())
