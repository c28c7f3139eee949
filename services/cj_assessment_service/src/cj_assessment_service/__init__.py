"""Assignments, anchors and comparative-judgement jobs: pairing, Bradley-Terry scoring, stopping
and grade projection.
"""
