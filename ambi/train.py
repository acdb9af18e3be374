"""``am.train``: checkpoints of models, optimizers and variables (see docs/training.md).

>>> ckpt = am.train.Checkpoint(step=am.Variable(0))
"""
from .nn.checkpoint import (Checkpoint, CheckpointManager, LoadStatus,  # noqa: F401
                            latest_checkpoint)
