"""Comparative-judgement mathematics for HuleEdu: pure numpy/scipy, no I/O.

The CJ service, the ENG5 runner and the benchmarks all call this one package (ARCHITECTURE §1).
"""
