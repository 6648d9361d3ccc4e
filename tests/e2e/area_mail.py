"""Real mail: the sendmail key names msmtp, which /etc/msmtprc points at
the SMTP server on 127.0.0.1; what crmpolicy sends is read back from that
server's mailbox. (The new-address alert and the login code of an sshd
login are read back in the sshd area.)"""

import e2elib as L
from e2elib import need

TITLE = 'mail (msmtp to aiosmtpd on 127.0.0.1)'


def setup(ctx):
    ctx.store_user('crme2e_mail', 'Init1al!Pw-e2e', email='crme2e_mail@e2e.test')


def relay(ctx):
    """msmtp run as crmpolicy runs it delivers to the server."""
    mark = ctx.mail.mark()
    L.run(['/usr/bin/msmtp', '-i', '-t'], check=True,
          input='To: relay@e2e.test\nSubject: e2e relay\n\nrelay body\n')
    _, text = ctx.mail.wait('the subject "e2e relay"',
                            lambda m, t: str(m['Subject']) == 'e2e relay', mark)
    need('relay body' in text, 'the body was lost', text)


def verify_address(ctx):
    """crmpasswd email verify mails a code; email confirm takes it."""
    user = 'crme2e_mail'
    mark = ctx.mail.mark()
    L.crm('email', 'verify', '--user', user)
    msg, text = ctx.mail.wait(f'the verification code for {user}',
                              lambda m, t: 'crme2e_mail@e2e.test' in str(m['To']) and
                              'Confirm' in str(m['Subject']), mark)
    code = L.email_code(text)
    need(code, 'no code in the mail', text)
    need(str(msg['From']) == 'crmpolicy@e2e.test', f'From: {msg["From"]}')
    L.crm('email', 'confirm', '--user', user, '--password-stdin', input=code + '\n')
    need(L.status(user)['email_verified'], 'the address is not verified')


def checks(ctx):
    return [
        ('mail.msmtp_delivers_to_smtp_server', lambda: relay(ctx)),
        ('mail.address_verification_code', lambda: verify_address(ctx)),
    ]
