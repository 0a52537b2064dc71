/* Which of the token's communities the worklists show (all of them by default), kept for this tab; and the
 * community list the forms offer. */
import { claims, get } from './api.js';
import { storageGet, storageSet } from '../common/storage.js';

var KEY = 'shequ.staff.community';
var directory = null;  // [{id, name}] of the communities the token covers, once loaded

export function currentCommunity() { return storageGet(sessionStorage, KEY) || ''; }
export function setCommunity(id) { storageSet(sessionStorage, KEY, id || null); }

/** The token's communities with their names (grid's directory); every community when the token says "*". */
export function myCommunities() {
  if (directory) { return Promise.resolve(directory); }
  var c = claims();
  var mine = c ? c.communities : [];
  var all = mine.indexOf('*') >= 0;
  return get('grid/communities').then(function (rows) {
    var known = {};
    (rows || []).forEach(function (r) { known[r.id || r.community_id] = r.name || r.id; });
    var ids = all ? Object.keys(known).sort() : mine.slice().sort();
    directory = ids.map(function (id) { return { id: id, name: known[id] || id }; });
    return directory;
  }, function () {
    directory = (all ? [] : mine.slice().sort()).map(function (id) { return { id: id, name: id }; });
    return directory;
  });
}
export function forgetCommunities() { directory = null; }
