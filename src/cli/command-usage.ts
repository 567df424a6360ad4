/** The help of every command; kept apart so that `--help` loads nothing heavy. */
export const commandUsage = {
  autopilot: `Usage: autopilot <command> [options]

Commands:
  serve      Start the server (the web UI and the API)
  chat       Chat in the terminal: one message, or an interactive prompt
  sessions   List your sessions
  migrate    Create or update the database schema

Run "autopilot <command> --help" for a command's options.
`,
  serve: `Usage: autopilot serve [--host 127.0.0.1] [--port 8787] [--data-dir ./.autopilot]

Starts Autopilot: the web UI at / and the API under /api. The model, the runtime and the limits
come from the environment (see the README). Ctrl-C or SIGTERM stops it, giving running turns
AUTOPILOT_SHUTDOWN_GRACE_MS to finish.

Options:
  --host HOST        address to listen on (AUTOPILOT_HOST)
  --port PORT        port to listen on (AUTOPILOT_PORT)
  --data-dir DIR     where the database, workspaces and files live (AUTOPILOT_DATA_DIR)
  -h, --help         show this help
`,
  chat: `Usage: autopilot chat [--session ID | --continue] [--url URL] [message]

With a message, sends it and streams the answer: text, each tool the agent uses, errors.
Without one, opens an interactive prompt: each line you enter is a message, and a
paste of several lines is one message (Enter sends it).

  Ctrl-C     stops the running turn (the server stops it); a second Ctrl-C leaves at once
  Ctrl-D     leaves the prompt (so does Ctrl-C on an empty line)

Options:
  --session ID   continue a session: the prompt first shows its last three exchanges; a turn
                 running in it is shown from its start
  -c, --continue continue the session changed most recently (a new one if there is none)
  --url URL      the server (AUTOPILOT_URL; default http://127.0.0.1:8787); AUTOPILOT_TOKEN
                 is sent as the bearer token
  -h, --help     show this help

Output is plain markdown when it is not a terminal or when NO_COLOR is set.
`,
  sessions: `Usage: autopilot sessions [--url URL]

Lists your 50 newest sessions: id, status, last change and title.

Options:
  --url URL      the server (AUTOPILOT_URL; default http://127.0.0.1:8787)
  -h, --help     show this help
`,
  migrate: `Usage: autopilot migrate [--data-dir DIR]

Creates or updates the database schema. "serve" does this by itself in embedded mode.

Options:
  --data-dir DIR     where the database lives (AUTOPILOT_DATA_DIR)
  -h, --help         show this help
`,
} as const;

export type CommandName = Exclude<keyof typeof commandUsage, 'autopilot'>;
