{{/* The release's name for its objects, at most 63 characters. */}}
{{- define "ponder.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "ponder.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* The gateway's pods: the retraining job's pods share name and instance but must not join its Service. */}}
{{- define "ponder.gatewaySelectorLabels" -}}
{{ include "ponder.selectorLabels" . }}
app.kubernetes.io/component: gateway
{{- end -}}

{{- define "ponder.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "ponder.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "ponder.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "ponder.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "ponder.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* The environment variable that carries a backend's API key: PONDER_BACKEND_<NAME>_API_KEY. */}}
{{- define "ponder.apiKeyEnv" -}}
{{- printf "PONDER_BACKEND_%s_API_KEY" (regexReplaceAll "[^A-Z0-9]" (upper .) "_") -}}
{{- end -}}

{{/*
The application.yml the pods mount: Ponder's backends and policies, the datasource URL, shutdown, management and
observability settings, then extraConfig over all of it. Secrets appear only as ${ENV} placeholders.
*/}}
{{- define "ponder.applicationYaml" -}}
{{- $backends := dict -}}
{{- range $name, $spec := .Values.ponder.backends -}}
{{- $backend := omit $spec "apiKeySecret" -}}
{{- if $spec.apiKeySecret -}}
{{- $_ := set $backend "api-key" (printf "${%s}" (include "ponder.apiKeyEnv" $name)) -}}
{{- end -}}
{{- $_ := set $backends $name $backend -}}
{{- end -}}
{{- $outcomes := merge (dict "journal" (dict "dir" "/var/lib/ponder/journal")) (deepCopy .Values.ponder.outcomes) -}}
{{- $ponder := dict "policies" .Values.ponder.policies "default-policy" .Values.ponder.defaultPolicy "outcomes" $outcomes -}}
{{- if $backends -}}
{{- $_ := set $ponder "backends" $backends -}}
{{- end -}}
{{- $management := dict "server" (dict "port" .Values.management.port) "tracing" (dict "sampling" (dict "probability" .Values.observability.tracing.samplingProbability)) -}}
{{- with .Values.observability.tracing.otlpEndpoint -}}
{{- $_ := set $management "opentelemetry" (dict "tracing" (dict "export" (dict "otlp" (dict "endpoint" .)))) -}}
{{- end -}}
{{- $spring := dict "lifecycle" (dict "timeout-per-shutdown-phase" (printf "%ds" (int .Values.shutdown.drainSeconds))) "datasource" (dict "url" .Values.database.url) -}}
{{- $config := dict "ponder" $ponder "management" $management "spring" $spring -}}
{{- with .Values.observability.logFormat -}}
{{- $_ := set $config "logging" (dict "structured" (dict "format" (dict "console" .))) -}}
{{- end -}}
{{- toYaml (mustMergeOverwrite $config (deepCopy .Values.extraConfig)) -}}
{{- end -}}

{{/* Environment shared by the gateway and the retraining job: configuration location and secret references. */}}
{{- define "ponder.env" -}}
- name: SPRING_CONFIG_ADDITIONAL_LOCATION
  value: file:/etc/ponder/application.yml
- name: SPRING_DATASOURCE_USERNAME
{{- if .Values.database.usernameKey }}
  valueFrom:
    secretKeyRef:
      name: {{ .Values.database.existingSecret }}
      key: {{ .Values.database.usernameKey }}
{{- else }}
  value: {{ .Values.database.username | quote }}
{{- end }}
- name: SPRING_DATASOURCE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.database.existingSecret }}
      key: {{ .Values.database.passwordKey }}
{{- range $name, $spec := .Values.ponder.backends }}
{{- with $spec.apiKeySecret }}
- name: {{ include "ponder.apiKeyEnv" $name }}
  valueFrom:
    secretKeyRef:
      name: {{ .name }}
      key: {{ .key }}
{{- end }}
{{- end }}
{{- range $env, $ref := .Values.secretEnv }}
- name: {{ $env }}
  valueFrom:
    secretKeyRef:
      name: {{ $ref.name }}
      key: {{ $ref.key }}
{{- end }}
{{- with .Values.javaToolOptions }}
- name: JAVA_TOOL_OPTIONS
  value: {{ . | quote }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "ponder.podSpecCommon" -}}
serviceAccountName: {{ include "ponder.serviceAccountName" . }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Checks across values that the schema cannot express; Spring would otherwise fail only once the pods start. */}}
{{- define "ponder.validate" -}}
{{- if and .Values.autoscaling.enabled (gt (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) -}}
{{- fail (printf "autoscaling.minReplicas (%v) must not exceed autoscaling.maxReplicas (%v)" .Values.autoscaling.minReplicas .Values.autoscaling.maxReplicas) -}}
{{- end -}}
{{- $backends := .Values.ponder.backends -}}
{{- range $policy, $spec := .Values.ponder.policies -}}
{{- range $spec.tiers -}}
{{- if and $backends (not (hasKey $backends .)) -}}
{{- fail (printf "ponder.policies.%s names tier '%s', which is not in ponder.backends (%s)" $policy . (keys $backends | sortAlpha | join ", ")) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $volumes := list -}}
{{- range .Values.extraVolumes -}}
{{- $volumes = append $volumes .name -}}
{{- end -}}
{{- range .Values.extraVolumeMounts -}}
{{- if not (has .name $volumes) -}}
{{- fail (printf "extraVolumeMounts mounts '%s' at %s, which is not in extraVolumes (%s)" .name .mountPath ($volumes | join ", ")) -}}
{{- end -}}
{{- end -}}
{{- if and .Values.ponder.policies (not (hasKey .Values.ponder.policies .Values.ponder.defaultPolicy)) -}}
{{- fail (printf "ponder.defaultPolicy '%s' is not in ponder.policies" .Values.ponder.defaultPolicy) -}}
{{- end -}}
{{- end -}}
