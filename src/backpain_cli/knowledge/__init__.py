"""The knowledge layer: find, safely read and validate the knowledge base into a frozen model.

Light on purpose: shell completion imports ``paths`` from here, so nothing is loaded until asked for.
"""
