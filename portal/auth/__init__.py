"""Sign-in: staff (password + TOTP) and applicants (e-identification, dev stand-in)."""
