{{/* Labels shared by every object of one service. */}}
{{- define "thidua.labels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/part-of: thidua
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end }}

{{- define "thidua.selector" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end }}

{{- define "thidua.kafkaBootstrap" -}}
{{- if .Values.kafka.strimzi.enabled -}}
{{ .Values.kafka.strimzi.name }}-kafka-bootstrap:9093
{{- else -}}
{{ required "kafka.bootstrap is required without Strimzi" .Values.kafka.bootstrap }}
{{- end }}
{{- end }}

{{/* The Kafka variables of every process (servicekit/kafka_security.py). */}}
{{- define "thidua.kafkaEnv" -}}
- name: THIDUA_KAFKA_BOOTSTRAP
  value: {{ include "thidua.kafkaBootstrap" .root | quote }}
- name: THIDUA_KAFKA_SECURITY_PROTOCOL
  value: {{ .root.Values.kafka.securityProtocol | quote }}
{{- if hasSuffix "SSL" .root.Values.kafka.securityProtocol }}
- name: THIDUA_KAFKA_SSL_CAFILE
  value: /etc/thidua/kafka-ca/ca.crt
{{- end }}
{{- if hasPrefix "SASL" .root.Values.kafka.securityProtocol }}
- name: THIDUA_KAFKA_SASL_MECHANISM
  value: {{ .root.Values.kafka.saslMechanism | quote }}
- name: THIDUA_KAFKA_SASL_USERNAME
  value: {{ .name | quote }}
- name: THIDUA_KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef: {name: {{ .name | quote }}, key: password}
{{- end }}
{{- end }}
