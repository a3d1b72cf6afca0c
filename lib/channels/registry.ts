// Every channel kind's driver, by kind.
import type { ChannelDriver, ChannelKind } from './driver.js';
import { alertmanager } from './kinds/alertmanager.js';
import { discord } from './kinds/discord.js';
import { email } from './kinds/email.js';
import { gotify } from './kinds/gotify.js';
import { matrix } from './kinds/matrix.js';
import { mattermost } from './kinds/mattermost.js';
import { msteams } from './kinds/msteams.js';
import { ntfy } from './kinds/ntfy.js';
import { opsgenie } from './kinds/opsgenie.js';
import { pagerduty } from './kinds/pagerduty.js';
import { pushover } from './kinds/pushover.js';
import { slack } from './kinds/slack.js';
import { telegram } from './kinds/telegram.js';
import { webhook } from './kinds/webhook.js';

// Each driver is typed by its own config; the registry hands out the common shape (build is a method, so
// its parameter is checked bivariantly).
type AnyDriver = ChannelDriver<Record<string, unknown>>;
const all: Record<ChannelKind, AnyDriver> = { webhook, telegram, slack, email, pagerduty, opsgenie, discord, msteams, mattermost, ntfy, pushover, gotify, matrix, alertmanager };

export function driverOf(kind: ChannelKind): ChannelDriver<Record<string, unknown>> {
  return all[kind];
}

export const DRIVERS: Readonly<Record<ChannelKind, AnyDriver>> = all;
