/**
 * The one Lua script every cache write goes through (fills after a miss, updates after an applied write, delete
 * tombstones). A cache entry is a hash at `<prefix><key>`:
 *
 * | field | meaning                                                        |
 * | ----- | -------------------------------------------------------------- |
 * | `v`   | version, decimal string (no leading zeros)                     |
 * | `w`   | writer id (tie-breaker)                                        |
 * | `t`   | `0` live, `1` tombstone (deleted at this stamp), `2` marker: a write at this stamp was applied, value not cached |
 * | `p`   | JSON `{value, createdAt, updatedAt, expiresAt?}` of a live record |
 *
 * The script writes only when the new stamp `(version, writer)` is strictly newer than the stored one, so an older
 * value can never replace a newer one, whatever order fills and updates run in. Versions are compared as decimal
 * strings: longer is larger, equal length compares lexically. A marker (`t = 2`) also accepts the fill of its own
 * stamp. Returns 1 when written, 0 when ignored.
 *
 * KEYS[1] entry key; ARGV: version, writer, kind ('0'|'1'|'2' as `t`), payload, ttl in ms.
 */
export const VERSIONED_SET_SCRIPT = `
local cur = redis.call('HMGET', KEYS[1], 'v', 'w', 't')
local cv, cw, ct = cur[1], cur[2], cur[3]
local nv, nw = ARGV[1], ARGV[2]
if cv then
  if #nv < #cv or (#nv == #cv and nv < cv) then return 0 end
  if nv == cv and (nw < cw or (nw == cw and not (ct == '2' and ARGV[3] == '0'))) then return 0 end
end
redis.call('HSET', KEYS[1], 'v', nv, 'w', nw, 't', ARGV[3], 'p', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
`;
