/*
 * Password reading for crmpasswd: the terminal with echo off (restored
 * even when interrupted), or one line of standard input. Secrets live in
 * sodium_malloc memory, which is wiped when freed.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "crmpolicy/i18n.h"
#include "prompt.h"

/* The terminal settings to put back if a signal ends us mid-prompt. */
static struct termios saved_tio;
static volatile sig_atomic_t tio_saved;

static void restore_and_die(int sig)
{
	if (tio_saved)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
	signal(sig, SIG_DFL);
	raise(sig);
}

static char *read_line(int fd)
{
	char *buf = sodium_malloc(PROMPT_MAX + 1);
	size_t n = 0;

	if (buf == NULL)
		return NULL;
	for (;;) {
		char ch;
		ssize_t r = read(fd, &ch, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || (r == 0 && n == 0)) {
			sodium_free(buf);
			return NULL;
		}
		if (r == 0 || ch == '\n')
			break;
		if (n == PROMPT_MAX) {
			/* Drain the rest of the line; refuse rather than cut. */
			while (read(fd, &ch, 1) == 1 && ch != '\n')
				;
			sodium_free(buf);
			return NULL;
		}
		buf[n++] = ch;
		ch = 0;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return buf;
}

char *prompt_stdin_line(void)
{
	return read_line(STDIN_FILENO);
}

char *prompt_tty(const char *prompt, int echo)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP };
	struct sigaction sa, old[sizeof(sigs) / sizeof(sigs[0])];
	struct termios tio;
	char *line;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tio) != 0)
		return NULL;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = restore_and_die;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, &old[i]);
	tio_saved = 1;
	tio = saved_tio;
	if (!echo) {
		tio.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &tio);
	}
	fputs(prompt, stderr);
	fflush(stderr);
	line = read_line(STDIN_FILENO);
	if (!echo) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
		fputc('\n', stderr);
	}
	tio_saved = 0;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &old[i], NULL);
	return line;
}

char *prompt_secret(const char *prompt, int from_stdin)
{
	return from_stdin ? prompt_stdin_line() : prompt_tty(prompt, 0);
}

void prompt_free(char *secret)
{
	if (secret != NULL)
		sodium_free(secret);
}

int prompt_new_password(const char *user, int from_stdin, char **out)
{
	char prompt[512], *a, *b;
	int same;

	*out = NULL;
	if (from_stdin) {
		*out = prompt_stdin_line();
		if (*out == NULL)
			return cli_error(CLI_USAGE,
				_("no password on standard input"));
		return 0;
	}
	if (!isatty(STDIN_FILENO))
		return cli_error(CLI_USAGE, _("standard input is not a "
			"terminal: use --password-stdin"));
	snprintf(prompt, sizeof(prompt), _("New password for %s: "), user);
	a = prompt_tty(prompt, 0);
	if (a == NULL)
		return cli_error(CLI_FAIL, _("no password read"));
	b = prompt_tty(_("Retype new password: "), 0);
	if (b == NULL) {
		prompt_free(a);
		return cli_error(CLI_FAIL, _("no password read"));
	}
	same = strlen(a) == strlen(b) && sodium_memcmp(a, b, strlen(a)) == 0;
	prompt_free(b);
	if (!same) {
		prompt_free(a);
		return cli_error(CLI_FAIL, _("the passwords do not match"));
	}
	*out = a;
	return 0;
}
