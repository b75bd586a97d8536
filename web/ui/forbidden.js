// The 403 page: nothing to do but log out.
import './common.js';
