# install.sed: config/vakt.conf as `make install` installs it (sed -f).
# No demo mode and an outbox that sends (print = false;), the token
# read from twilio-token next to the installed file, the database under
# /var/lib/vakt.
/^demo = true;$/d
s|^  print = true;|  print = false;|
s|^database = .*|database = "/var/lib/vakt/vakt.db";|
s|^  auth_token = .*|  auth_token_file = "twilio-token";|
