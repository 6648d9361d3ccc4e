/*
 * The secret key file (32 raw bytes, written by crm_admin_init): checked
 * on the opened descriptor, read into the caller's buffer, and split into
 * per-purpose subkeys.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "crmpolicy/i18n.h"
#include "crmpolicy/key.h"

/*
 * Checks made on the descriptor, not the path, so the file that is
 * judged is the file that is read.
 */
static int check(int fd, const char *path, struct crm_error *err)
{
	struct stat st;
	mode_t perm;

	if (fstat(fd, &st) != 0)
		return crm_error_set(err, CRM_EKEY, _("key file %s: %s"), path,
			strerror(errno));
	if (!S_ISREG(st.st_mode))
		return crm_error_set(err, CRM_EKEY,
			_("key file %s is not a regular file"), path);
	if (st.st_uid != 0 && st.st_uid != geteuid())
		return crm_error_set(err, CRM_EKEY,
			_("key file %s is not owned by root"), path);
	perm = st.st_mode & 07777;
	if (perm != 0600 && perm != 0400)
		return crm_error_set(err, CRM_EKEY,
			_("key file %s has mode %04o, expected 0600 or 0400"),
			path, (unsigned)perm);
	if (st.st_size != CRM_KEY_BYTES)
		return crm_error_set(err, CRM_EKEY,
			_("key file %s does not hold a %d-byte key"), path,
			CRM_KEY_BYTES);
	return 0;
}

static int read_all(int fd, unsigned char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = read(fd, buf + got, len - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

int crm_key_load(const struct crm_config *cfg, unsigned char key[CRM_KEY_BYTES],
	struct crm_error *err)
{
	const char *path = cfg ? cfg->str[CRM_K_KEY_FILE] : NULL;
	int fd, rc;

	sodium_memzero(key, CRM_KEY_BYTES);
	if (path == NULL || *path != '/')
		return crm_error_set(err, CRM_EKEY,
			_("key_file must be an absolute path"));
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return crm_error_set(err, CRM_EKEY, _("key file %s: %s"), path,
			errno == ELOOP ? _("is a symlink") : strerror(errno));
	rc = check(fd, path, err);
	if (rc == 0 && read_all(fd, key, CRM_KEY_BYTES) != 0)
		rc = crm_error_set(err, CRM_EKEY, _("cannot read key file %s"),
			path);
	close(fd);
	if (rc != 0)
		sodium_memzero(key, CRM_KEY_BYTES);
	return rc;
}

int crm_key_create(const struct crm_config *cfg, struct crm_error *err)
{
	const char *path = cfg ? cfg->str[CRM_K_KEY_FILE] : NULL;
	unsigned char key[CRM_KEY_BYTES];
	ssize_t w;
	int fd, rc = 0;

	if (path == NULL || *path != '/')
		return crm_error_set(err, CRM_ECONF,
			_("key_file must be an absolute path"));
	if (sodium_init() < 0)
		return crm_error_set(err, CRM_EIO, _("libsodium failed to start"));
	/* O_EXCL|O_NOFOLLOW: never write a key through a planted link. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		0600);
	if (fd < 0 && errno == EEXIST) {
		/* An existing key is kept, if it passes the checks of a load. */
		rc = crm_key_load(cfg, key, err);
		sodium_memzero(key, sizeof(key));
		return rc;
	}
	if (fd < 0)
		return crm_error_set(err, CRM_EKEY,
			_("cannot create key file %s: %s"), path, strerror(errno));
	randombytes_buf(key, sizeof(key));
	/* A setuid caller's real group would otherwise own the file. */
	if (fchown(fd, 0, 0) != 0 || fchmod(fd, 0600) != 0)
		rc = crm_error_set(err, CRM_EKEY, _("key file %s: %s"), path,
			strerror(errno));
	if (rc == 0) {
		w = write(fd, key, sizeof(key));
		if (w != (ssize_t)sizeof(key) || fsync(fd) != 0)
			rc = crm_error_set(err, CRM_EKEY,
				_("cannot write key file %s: %s"), path,
				w < 0 ? strerror(errno) : _("short write"));
	}
	sodium_memzero(key, sizeof(key));
	if (close(fd) != 0 && rc == 0)
		rc = crm_error_set(err, CRM_EKEY,
			_("cannot write key file %s: %s"), path, strerror(errno));
	if (rc != 0)
		unlink(path);
	return rc;
}

/*
 * BLAKE2b keyed with the master key over a labelled purpose: a PRF, so
 * knowing one subkey (say, the audit chain's) tells nothing about another
 * or about the master key. crypto_kdf would limit the label to 8 bytes.
 */
void crm_key_derive(const unsigned char key[CRM_KEY_BYTES], const char *purpose,
	unsigned char out[CRM_KEY_BYTES])
{
	crypto_generichash_state st;
	static const char label[] = "crmpolicy subkey v1:";

	crypto_generichash_init(&st, key, CRM_KEY_BYTES, CRM_KEY_BYTES);
	crypto_generichash_update(&st, (const unsigned char *)label,
		sizeof(label) - 1);
	crypto_generichash_update(&st, (const unsigned char *)purpose,
		strlen(purpose));
	crypto_generichash_final(&st, out, CRM_KEY_BYTES);
	sodium_memzero(&st, sizeof(st));
}
