/*
 * Reading passwords: from the terminal without echo, or one line of
 * standard input (--password-stdin). Never from the command line. Every
 * returned secret lives in sodium_malloc memory and is freed wiped.
 */
#ifndef CRM_PROMPT_H
#define CRM_PROMPT_H

#define PROMPT_MAX 4096	/* bytes of one answer, newline excluded */

/*
 * One line of standard input, read byte by byte so nothing is left in a
 * stdio buffer. NULL at end of input, on a read error or a too-long line.
 */
char *prompt_stdin_line(void);
/* Asks prompt on the terminal (stdin) with echo off; NULL on failure. */
char *prompt_tty(const char *prompt, int echo);
/*
 * One answer that is a secret (a password, a code): the next line of
 * standard input with from_stdin, else asked on the terminal with echo
 * off. NULL when nothing could be read.
 */
char *prompt_secret(const char *prompt, int from_stdin);
/* Wipes and frees a secret from these functions (NULL is fine). */
void prompt_free(char *secret);
/*
 * The new password an administrator sets for user: one line of stdin
 * with from_stdin, else asked twice on the terminal. Returns 0 with
 * *out set, or an exit code after printing why.
 */
int prompt_new_password(const char *user, int from_stdin, char **out);

#endif
