"""The teacher dashboard's backend-for-frontend: composes RAS, CMS, CJ and content lookups into
dashboard views and serves the built Vue app.
"""
