"""Machinery shared by HuleEdu services."""
