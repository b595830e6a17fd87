SELECT count(*) = 1 FROM mails
