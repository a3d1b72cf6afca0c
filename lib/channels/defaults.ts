// Default message templates (Liquid) shared by the chat-style channels; a channel's own `template` wins.
export const DEFAULT_TITLE =
  "{% if group %}{% if group.firing.size > 0 %}🔴 [FIRING:{{ group.firing.size }}]{% else %}✅ [RESOLVED]{% endif %}{% for l in group.labels %} {{ l[0] }}={{ l[1] }}{% endfor %} {{ incident.title }}{% if count > 1 %} (+{{ count | minus: 1 }} more){% endif %}{% else %}" +
  "{% case transition %}{% when 'resolved' %}✅{% when 'acknowledged' %}👀{% when 'reminder' %}⏰{% when 'test' %}🧪{% else %}🔴{% endcase %} [{{ transition | upcase }}] {{ incident.title }}{% if count > 1 %} (+{{ count | minus: 1 }} more){% endif %}{% endif %}";

/** A route's group: its firing incidents, then those resolved since its last notification. */
const GROUP_BODY =
  '{% for i in group.firing %}• {{ i.title }} ({{ i.targetName }}, {{ i.severity }}){% if i.url != "" %} {{ i.url }}{% endif %}\n{% endfor %}' +
  '{% if group.resolved.size > 0 %}Resolved:\n{% for i in group.resolved %}✓ {{ i.title }} ({{ i.targetName }}){% if i.url != "" %} {{ i.url }}{% endif %}\n{% endfor %}{% endif %}';

export const DEFAULT_BODY =
  `{% if group %}${GROUP_BODY}{% else %}` +
  'severity: {{ incident.severity }} · target: {{ target.name }} · incident: {{ incident.id }}' +
  '{% if value %}\nvalue: {{ value }}{% endif %}' +
  '{% for a in annotations %}\n{{ a[0] }}: {{ a[1] }}{% endfor %}' +
  '{% if count > 1 %}{% for i in incidents %}\n• {{ i.title }} ({{ i.targetName }}, {{ i.severity }}){% endfor %}{% endif %}' +
  "{% if links.incident != '' %}\n{{ links.incident }}{% endif %}{% endif %}";

export const DEFAULT_MARKDOWN_BODY =
  '**severity** {{ incident.severity }} · **target** {{ target.name }} · **incident** `{{ incident.id }}`' +
  '{% if value %}\n**value** {{ value }}{% endif %}' +
  '{% for a in annotations %}\n**{{ a[0] }}** {{ a[1] }}{% endfor %}' +
  '{% if count > 1 %}{% for i in incidents %}\n- {{ i.title }} ({{ i.targetName }}, {{ i.severity }}){% endfor %}{% endif %}' +
  "{% if links.incident != '' %}\n[Open incident]({{ links.incident }}){% endif %}";

export const DEFAULT_HTML =
  '<h2>{{ incident.title }}</h2>' +
  '<p><b>{{ transition | upcase }}</b> · severity {{ incident.severity }} · target {{ target.name }} · incident {{ incident.id }}</p>' +
  '{% if value %}<p>value: {{ value }}</p>{% endif %}' +
  '{% if count > 1 %}<ul>{% for i in incidents %}<li>{{ i.title }} ({{ i.targetName }}, {{ i.severity }})</li>{% endfor %}</ul>{% endif %}' +
  '{% if annotations.size > 0 %}<dl>{% for a in annotations %}<dt>{{ a[0] }}</dt><dd>{{ a[1] }}</dd>{% endfor %}</dl>{% endif %}' +
  "{% if links.incident != '' %}<p><a href=\"{{ links.incident }}\">Open incident</a></p>{% endif %}";
