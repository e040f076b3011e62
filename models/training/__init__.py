"""Training: the loops that make the shipped networks, their losses, checkpoints and averaging."""
