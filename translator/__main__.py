"""python -m translator"""

from .cli import main

raise SystemExit(main())
