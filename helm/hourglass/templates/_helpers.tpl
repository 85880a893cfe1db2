{{- define "hourglass.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "hourglass.labels" -}}
app.kubernetes.io/name: hourglass
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "component" "dispatcher") */}}
{{- define "hourglass.selector" -}}
app.kubernetes.io/name: hourglass
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* The three services: component name, values key, port (the images' PORT defaults). */}}
{{- define "hourglass.components" -}}
api-gateway: { key: apiGateway, port: 8080 }
scheduler: { key: scheduler, port: 8081 }
dispatcher: { key: dispatcher, port: 8082 }
{{- end -}}

{{- define "hourglass.image" -}}
{{- printf "%s/%s:%s" .root.Values.image.repository .component (.root.Values.image.tag | default .root.Chart.AppVersion) -}}
{{- end -}}

{{- define "hourglass.secretName" -}}
{{- .Values.secrets.existingSecret | default (include "hourglass.fullname" .) -}}
{{- end -}}

{{- define "hourglass.inlineSecrets" -}}
{{- $s := .Values.secrets -}}
{{- $given := 0 -}}
{{- range (list $s.databaseUrl $s.adminToken $s.masterKeys) }}{{ if . }}{{ $given = add1 $given }}{{ end }}{{ end -}}
{{- if and $given $s.existingSecret -}}
{{- fail "secrets: give either existingSecret or the inline values, not both" -}}
{{- end -}}
{{- if and $given (lt $given 3) -}}
{{- fail "secrets: give databaseUrl, adminToken and masterKeys together (or existingSecret)" -}}
{{- end -}}
{{- if $given }}true{{ end -}}
{{- end -}}

{{- define "hourglass.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ include "hourglass.secretName" .root }}
      key: {{ .key }}
{{- end -}}

{{/* Env of one component: (dict "root" $ "component" "dispatcher" "port" 8082) */}}
{{- define "hourglass.env" -}}
{{- $v := .root.Values -}}
{{ include "hourglass.secretEnv" (dict "root" .root "name" "DATABASE_URL" "key" $v.secrets.keys.databaseUrl) }}
{{- if $v.secrets.masterKeysAsFile }}
- name: HOURGLASS_MASTER_KEYS_FILE
  value: /etc/hourglass/master-keys/keys
{{- else }}
{{ include "hourglass.secretEnv" (dict "root" .root "name" "HOURGLASS_MASTER_KEYS" "key" $v.secrets.keys.masterKeys) }}
{{- end }}
- name: PORT
  value: {{ .port | quote }}
- name: LOG_LEVEL
  value: {{ $v.config.logLevel | quote }}
- name: SHUTDOWN_GRACE_MS
  value: {{ mul $v.config.shutdownGraceSeconds 1000 | quote }}
- name: HOURGLASS_LOCAL_MODE
  value: "false"
- name: HOURGLASS_ALLOW_PRIVATE_TARGETS
  value: {{ join "," $v.config.allowPrivateTargets | quote }}
{{- with $v.config.otlpEndpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ . | quote }}
{{- end }}
{{- if eq .component "api-gateway" }}
{{ include "hourglass.secretEnv" (dict "root" .root "name" "HOURGLASS_ADMIN_TOKEN" "key" $v.secrets.keys.adminToken) }}
{{- with $v.apiGateway.publicUrl }}
- name: HOURGLASS_PUBLIC_URL
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- if eq .component "dispatcher" }}
- name: DISPATCHER_CONCURRENCY
  value: {{ $v.dispatcher.concurrency | quote }}
- name: DISPATCHER_BATCH_SIZE
  value: {{ $v.dispatcher.batchSize | quote }}
# Email notifications: the SMTP URL carries a password, so it comes from the Secret, whose key may be absent.
- name: HOURGLASS_SMTP_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "hourglass.secretName" .root }}
      key: {{ $v.secrets.keys.smtpUrl }}
      optional: true
- name: HOURGLASS_SMTP_FROM
  value: {{ $v.config.smtpFrom | quote }}
{{- end }}
{{- end -}}

{{- define "hourglass.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 1000
runAsGroup: 1000
fsGroup: 1000
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "hourglass.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
{{- end -}}

{{- define "hourglass.podCommon" -}}
automountServiceAccountToken: false
{{- with .Values.imagePullSecrets }}
imagePullSecrets: {{ toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector: {{ toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations: {{ toYaml . | nindent 2 }}
{{- end }}
securityContext: {{ include "hourglass.podSecurityContext" . | nindent 2 }}
volumes:
  - name: tmp
    emptyDir: { sizeLimit: 64Mi }
  {{- if .Values.secrets.masterKeysAsFile }}
  - name: master-keys
    secret:
      secretName: {{ include "hourglass.secretName" . }}
      defaultMode: 288 # 0440: owner and fsGroup read
      items:
        - { key: {{ .Values.secrets.keys.masterKeys }}, path: keys }
  {{- end }}
{{- end -}}
