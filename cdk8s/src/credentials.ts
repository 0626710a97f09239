import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { type ComponentProps, objectName } from './context.js';
import { APP_UID } from './kverse-app.js';
import { commonLabels, selectorLabels } from './labels.js';
import { appImage, containerSecurityContext, podSpecDefaults, TMP_MOUNT, TMP_VOLUME } from './pod.js';
import { componentNetworkPolicy, KUBE_API_PORTS } from './policy.js';

/**
 * Creates a Secret once, inside the cluster, if it does not exist yet: each `{word}` in the template's values is
 * replaced by 48 random hex characters (the same word, the same value), and each `{sha256:word}` by the SHA-256 (hex)
 * of that value — how a bearer token's entry is made without the token ever leaving the cluster. Run by a Job in the KVerse api image (it
 * only needs Node.js), so no generated password ever appears in a manifest, a Helm release or a Git repository,
 * and re-running is harmless. The Secret outlives the platform on purpose: it matches the data in the volumes.
 */
const CREATE_SECRET_SCRIPT = `
const fs = require('node:fs');
const { createHash, randomBytes } = require('node:crypto');
const sa = '/var/run/secrets/kubernetes.io/serviceaccount';
const ns = fs.readFileSync(sa + '/namespace', 'utf8').trim();
const headers = { authorization: 'Bearer ' + fs.readFileSync(sa + '/token', 'utf8').trim(), 'content-type': 'application/json' };
const url = 'https://kubernetes.default.svc/api/v1/namespaces/' + ns + '/secrets';
const name = process.env.SECRET_NAME;
(async () => {
  const got = await fetch(url + '/' + name, { headers });
  if (got.status === 200) return console.log('secret ' + name + ' exists; kept');
  if (got.status !== 404) throw new Error('reading secret ' + name + ': HTTP ' + got.status);
  const random = {};
  const value = (k) => (random[k] ??= randomBytes(24).toString('hex'));
  const fill = (t) => t.replace(/\\{(sha256:)?(\\w+)\\}/g, (_, h, k) => (h ? createHash('sha256').update(value(k)).digest('hex') : value(k)));
  const stringData = Object.fromEntries(Object.entries(JSON.parse(process.env.TEMPLATE)).map(([k, t]) => [k, fill(t)]));
  const metadata = { name, labels: JSON.parse(process.env.LABELS) };
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata, type: 'Opaque', stringData }) });
  if (res.status === 409) return console.log('secret ' + name + ' created concurrently; kept');
  if (!res.ok) throw new Error('creating secret ' + name + ': HTTP ' + res.status + ' ' + (await res.text()));
  console.log('created secret ' + name);
})().catch((err) => { console.error(err.message); process.exit(1); });
`.trim();

/** Helm runs these before installing or upgrading the release, so the Secret exists before any pod needs it. */
const hook = (weight: number, deletePolicy: string) => ({
  'helm.sh/hook': 'pre-install,pre-upgrade',
  'helm.sh/hook-weight': String(weight),
  'helm.sh/hook-delete-policy': deletePolicy,
});

export interface GeneratedSecretProps extends ComponentProps {
  /** Component (backing service) the Secret belongs to; names the Secret and the Job. */
  readonly component: string;
  /** Values of the Secret by key; `{word}` stands for a random value generated in the cluster, `{sha256:word}` its hash. */
  readonly template: Readonly<Record<string, string>>;
}

/** A Secret generated in the cluster by a Job (ServiceAccount, Role limited to Secrets, RoleBinding, Job). */
export class GeneratedSecret extends Construct {
  /** Name of the Secret the Job creates. */
  readonly secretName: string;

  constructor(scope: Construct, id: string, props: GeneratedSecretProps) {
    super(scope, id);
    const { ctx, component } = props;
    this.secretName = objectName(ctx, component);
    const jobComponent = `${component}-credentials`;
    const name = objectName(ctx, jobComponent);
    const labels = commonLabels(ctx.instance, jobComponent);
    // hook-succeeded: Helm removes these once every pre-install hook succeeded; nothing of them outlives an install.
    const metadata = (weight: number) => ({
      name,
      labels,
      annotations: hook(weight, 'before-hook-creation,hook-succeeded'),
    });

    new ApiObject(this, 'service-account', {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: metadata(-20),
      automountServiceAccountToken: false,
    });
    new ApiObject(this, 'role', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: metadata(-20),
      // `create` cannot be limited by resourceNames; `get` can.
      rules: [
        { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
        { apiGroups: [''], resources: ['secrets'], resourceNames: [this.secretName], verbs: ['get'] },
      ],
    });
    new ApiObject(this, 'role-binding', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: metadata(-20),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name }],
    });
    new ApiObject(this, 'job', {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: metadata(-10),
      spec: {
        backoffLimit: 6,
        template: {
          metadata: { labels: selectorLabels(ctx.instance, jobComponent) },
          spec: {
            ...podSpecDefaults(ctx.spec.podOverrides, APP_UID),
            automountServiceAccountToken: true,
            serviceAccountName: name,
            restartPolicy: 'OnFailure',
            containers: [
              {
                name: 'create-secret',
                image: appImage(ctx.spec, 'api'),
                imagePullPolicy: ctx.spec.image.pullPolicy,
                command: ['node', '-e', CREATE_SECRET_SCRIPT],
                env: [
                  { name: 'SECRET_NAME', value: this.secretName },
                  { name: 'TEMPLATE', value: JSON.stringify(props.template) },
                  { name: 'LABELS', value: JSON.stringify(commonLabels(ctx.instance, component)) },
                  { name: 'NODE_EXTRA_CA_CERTS', value: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt' },
                ],
                resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
                securityContext: containerSecurityContext(),
                volumeMounts: [TMP_MOUNT],
              },
            ],
            volumes: [TMP_VOLUME],
          },
        },
      },
    });
    componentNetworkPolicy(this, 'network-policy', {
      ctx,
      component: jobComponent,
      ingress: [],
      egress: [{ ports: KUBE_API_PORTS }],
    });
  }
}
