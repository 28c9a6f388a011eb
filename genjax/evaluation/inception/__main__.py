"""``python -m genjax.evaluation.inception --fetch [--from=FILE]``: store the FID Inception
weights once (see `genjax.evaluation.inception.weights`); without ``--fetch``, print where
they are or the command that gets them."""

import sys

from genjax.evaluation.inception import main

sys.exit(main())
