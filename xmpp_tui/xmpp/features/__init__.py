"""One module per protocol feature: what we send. What we receive is read in translate.py."""
