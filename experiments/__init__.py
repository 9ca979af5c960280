"""Experiments on the model: running, comparing, sweeping and analysing scenarios.

This layer imports the model core (`simulation`); the core never imports it.
"""
