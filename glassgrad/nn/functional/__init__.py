"""glassgrad.nn.functional: the layers as functions (torch.nn.functional's names).

Explicit re-exports; each function lives in one file of this package.
"""
