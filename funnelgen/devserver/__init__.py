"""The dev server behind `funnelgen serve` (the command itself is `funnelgen.commands.serve`).

- `rebuild`: what a save does: prepare, render the open pages, build the whole site in a child
  process (`worker`);
- `state`: what is served: the last good build on disk, or the newest generation rendered on
  request until its build is on disk; and the problems of the latest rebuild;
- `server`: HTTP like a static host, and the event stream that reloads tabs;
- `inject`: the client script (`client.js`, `client.css`) and the policy that lets it run;
- `watch`: the site folder and its theme chain.

Only the dev server adds anything to a page: a build never contains the client script.
"""
