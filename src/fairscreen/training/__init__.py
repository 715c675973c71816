"""Build-time tools: they make the data files the domain reads (``make topics-model``).

Nothing at run time imports this package (an import-linter contract says so); its
dependencies are the ``train`` extra (scikit-learn, numpy, OpenCC).
"""
