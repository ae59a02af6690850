"""The screening service's background loops."""
