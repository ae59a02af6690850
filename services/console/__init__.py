"""The clinic console: staff sign-in and the pages front desk, therapists, billing and ops use."""
