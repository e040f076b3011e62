"""Inference: device and dtype, the runtime and its backends, the weights registry, pictures as styles."""
