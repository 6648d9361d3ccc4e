-- crmpolicy.lua: Kamailio's side of the crmpolicy registrar protocol,
-- loaded by app_lua into every worker process (kamailio-crmpolicy.cfg).
-- Each worker keeps one connection to crmpolicy_registrar's Unix socket
-- and sends one request line at a time: CHECK before the digest is
-- computed, RESULT after it. It fails closed: whatever goes wrong leaves
-- a verdict other than ALLOW and an outcome other than DONE, so the
-- configuration answers 403 or 500, never 200.
--
-- Needs lua-socket (socket.unix) for Lua 5.1, Kamailio's Lua.

local unix = require("socket.unix")

-- The worker's connection: opened at first use (after Kamailio forked the
-- worker), kept across requests, dropped on any error and opened again
-- for the next request.
local conn = nil

-- pv_auth_check's return code -> the outcome crmpolicy counts.
--   1 the digest matched                         ok
--  -2 wrong password (the response did not match) wrong: counts toward
--                                                 lockout and IP throttling
--  -4 stale (expired) nonce, -6 reused nonce or nc, -5 no credentials for
--  the realm, -1 malformed credentials or a nonce not ours, -8 the auth
--  user is not the To/From user, and any other code: none (no verdict on
--  the password; counts nothing)
local OUTCOME = { ["1"] = "ok", ["-2"] = "wrong" }

local function setting(name, default)
	local v = KSR.pv.get("$def(" .. name .. ")")
	if v == nil then
		return default
	end
	return (tostring(v):gsub('^"(.*)"$', "%1"))
end

-- The socket and the reply timeout come from the configuration's defines
-- (CRM_SOCKET, CRM_TIMEOUT), read at the first request: pseudo-variables
-- need a message.
local SOCKET, TIMEOUT
local function settings()
	if not SOCKET then
		SOCKET = setting("CRM_SOCKET", "/run/crmpolicy/registrar.sock")
		TIMEOUT = tonumber(setting("CRM_TIMEOUT", "3")) or 3
	end
end

-- A protocol field: 1..255 printable ASCII characters, no space. What
-- comes from the wire (the user name) is checked here too, so that nothing
-- a phone sends can add a line or a field to a request.
local function field(s)
	return type(s) == "string" and #s >= 1 and #s <= 255
		and not s:find("[^\33-\126]")
end

local function drop()
	if conn then
		conn:close()
		conn = nil
	end
end

local function open()
	local c, err = unix.stream()
	if not c then
		return nil, err
	end
	c:settimeout(TIMEOUT)
	local ok, cerr = c:connect(SOCKET)
	if not ok then
		c:close()
		return nil, cerr
	end
	return c
end

-- Sends one request line and returns the reply line, or nil and why. A
-- request on a kept connection found closed (the daemon restarted) is sent
-- again once on a new one when REPEATABLE: a CHECK is, its first copy got
-- no answer and so counts nothing. A RESULT is not: its token died with
-- the old connection. A timeout is not retried: the worker has waited
-- long enough.
local function ask(line, repeatable)
	settings()
	for attempt = 1, 2 do
		local fresh = false
		if not conn then
			local err
			conn, err = open()
			if not conn then
				return nil, "connect " .. SOCKET .. ": " .. tostring(err)
			end
			fresh = true
		end
		local ok, err = conn:send(line .. "\n")
		local reply
		if ok then
			reply, err = conn:receive("*l")
		end
		if reply then
			return reply
		end
		-- A reply that came late must never be read as the answer to the
		-- next request: the connection goes.
		drop()
		if fresh or not repeatable or attempt == 2 or err ~= "closed" then
			return nil, tostring(err)
		end
	end
end

local function fail(what)
	KSR.err("crmpolicy: " .. what .. "\n")
	KSR.pv.sets("$avp(crm_verdict)", "error")
end

-- lua_run("crmpolicy_check", service, realm, algorithm): asks whether the
-- REGISTER's authentication user may try from its source address. Sets
-- $avp(crm_verdict) to ALLOW with $avp(crm_token) and $avp(crm_ha1), to
-- the daemon's reason of a refusal, to "invalid" for a field that cannot
-- be sent, or to "error" when the daemon could not be asked.
function crmpolicy_check(service, realm, algorithm)
	KSR.pv.sets("$avp(crm_verdict)", "error")
	local user = KSR.pv.get("$au")
	local addr = KSR.pv.get("$si")
	if not (field(service) and field(user) and field(addr) and field(realm)
			and field(algorithm)) then
		KSR.pv.sets("$avp(crm_verdict)", "invalid")
		return
	end
	local reply, err = ask(table.concat({ "CHECK", service, user, addr, realm,
		algorithm }, " "), true)
	if not reply then
		return fail("CHECK: " .. err)
	end
	local token, ha1 = reply:match("^ALLOW (%d+) (%x+)$")
	if token then
		local want = (algorithm == "SHA-256") and 64 or 32
		if #ha1 ~= want or #token > 20 then
			drop()
			return fail("CHECK: a reply of the wrong form")
		end
		KSR.pv.sets("$avp(crm_token)", token)
		KSR.pv.sets("$avp(crm_ha1)", ha1)
		KSR.pv.sets("$avp(crm_verdict)", "ALLOW")
		return
	end
	local reason = reply:match("^DENY ([%w-]+)$")
	if reason then
		KSR.pv.sets("$avp(crm_verdict)", reason)
		return
	end
	drop()
	fail("CHECK: a reply of the wrong form")
end

-- lua_run("crmpolicy_result", code): reports pv_auth_check's return code
-- for the token of crmpolicy_check. Sets $avp(crm_reported) to DONE once
-- the daemon has taken it, to "error" otherwise.
function crmpolicy_result(code)
	KSR.pv.sets("$avp(crm_reported)", "error")
	local token = KSR.pv.get("$avp(crm_token)")
	if token == nil or not tostring(token):match("^%d+$") then
		KSR.err("crmpolicy: RESULT without a token\n")
		return
	end
	local outcome = OUTCOME[tostring(code)] or "none"
	local reply, err = ask("RESULT " .. tostring(token) .. " " .. outcome, false)
	if reply == "DONE" then
		KSR.pv.sets("$avp(crm_reported)", "DONE")
		return
	end
	if reply then
		KSR.err("crmpolicy: RESULT " .. outcome .. ": " .. reply .. "\n")
	else
		KSR.err("crmpolicy: RESULT " .. outcome .. ": " .. tostring(err) .. "\n")
	end
end
